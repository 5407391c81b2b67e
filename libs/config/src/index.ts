export * from './hangar-config';
