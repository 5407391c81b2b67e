import { Unauthorized } from '@hangar/contracts';

/** Streampixel's two 401 messages, kept word for word. */
export class InvalidApiKey extends Unauthorized {
  constructor() {
    super('Unauthorized: Invalid API Key');
  }
}
export class InvalidUser extends Unauthorized {
  constructor() {
    super('Invalid User');
  }
}
export class InvalidAdminToken extends Unauthorized {
  constructor() {
    super('Unauthorized: invalid admin token');
  }
}
