import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';

export class ListWebhookDeliveriesQuery {
  @IsOptional() @IsIn(['pending', 'succeeded', 'failed', 'given-up']) state?: 'pending' | 'succeeded' | 'failed' | 'given-up';
  @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) page?: number;
  @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(100) limit?: number;
}

/** Exactly one of `since` (an ISO time) and `after` (a store position, as in a build's timeline). */
export class ReplayWebhooksBody {
  @ValidateIf((o) => o.after === undefined) @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 time (or give after)' }) since?: string;
  @ValidateIf((o) => o.since === undefined || o.after !== undefined)
  @Transform(({ value }) => (typeof value === 'number' ? String(value) : value))
  @Matches(/^\d{1,30}$/, { message: 'after must be a store position (a whole number)' })
  after?: string;
}
