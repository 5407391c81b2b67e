import { ObjectId } from 'bson';

export const ID_GENERATOR = Symbol('ID_GENERATOR');
/** Ids are 24-hex ObjectIds, as Streampixel's are. */
export interface IdGenerator {
  objectId(): string;
}
export const objectIdGenerator: IdGenerator = { objectId: () => new ObjectId().toHexString() };
