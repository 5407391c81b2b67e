export * from './pixel-stripe.dto';
export * from './hangar-api.dto';
export * from './webhook-deliveries.dto';
