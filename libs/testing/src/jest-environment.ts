// Tests read their own assertions, not Nest's start-up logs; set HANGAR_LOG_LEVEL=log to see everything.
process.env.HANGAR_LOG_LEVEL ??= 'error';
