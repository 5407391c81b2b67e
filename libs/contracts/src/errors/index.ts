export * from './hangar-error';
