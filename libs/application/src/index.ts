export * from './clock/clock';
export * from './ids/id-generator';
export * from './command-handling/command-handler';
export * from './event-relay/event-relay';
export * from './metadata/caused-by';
export * from './archive-source/blob-archive-source';
export * from './webhook-secret/webhook-secret-vault';
export * from './project-streams/project-streams';
