import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, ValidateNested, IsBoolean, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min, Max, ValidateIf } from 'class-validator';
import { ALL_WEBHOOK_EVENTS, type WebhookEventName } from '../../webhook/webhook-event-name';
import { BuildStatus } from '../../build/build-status';
import { IsHttpUrl } from './is-http-url';
import { SANITY_CHECK_LIMITS, type SanityCheck } from '../../project/sanity-check';

/** A project's sanity check (see SanityCheck): an argument vector and a timeout. */
export class SanityCheckBody implements SanityCheck {
  @IsArray({ message: 'sanityCheck.command must be an array of arguments' })
  @ArrayMinSize(1, { message: 'sanityCheck.command must name a program' })
  @ArrayMaxSize(SANITY_CHECK_LIMITS.maxArguments)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(SANITY_CHECK_LIMITS.maxArgumentLength, { each: true })
  command!: string[];
  @IsInt({ message: 'sanityCheck.timeoutSeconds must be a whole number of seconds' })
  @Min(1)
  @Max(SANITY_CHECK_LIMITS.maxTimeoutSeconds)
  timeoutSeconds!: number;
}

export class CreateUserBody {
  @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
}

/** Nested validation needs an instance (class-transformer's @Type would need reflect-metadata wherever contracts load). */
function asSanityCheckBody({ value }: { value: unknown }): unknown {
  return value && typeof value === 'object' && !Array.isArray(value) ? Object.assign(new SanityCheckBody(), value) : value;
}

export class CreateProjectBody {
  @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  /** Checked against the deployment's regions (HANGAR_REGIONS) by the service. */
  @IsString() @IsNotEmpty() region!: string;
  @IsOptional() @IsHttpUrl() webhookUrl?: string;
  @IsOptional() @IsArray() @ArrayUnique() @IsIn(ALL_WEBHOOK_EVENTS as string[], { each: true, message: `webhookEvents must be among ${ALL_WEBHOOK_EVENTS.join(', ')}` })
  webhookEvents?: WebhookEventName[];
  @IsOptional() @IsBoolean({ message: 'autoRelease must be a boolean' }) autoRelease?: boolean;
  /** Largest build accepted, in bytes; absent: the deployment's `HANGAR_MAX_BUILD_BYTES` (24 GB by default). */
  @IsOptional() @IsInt({ message: 'maxBuildBytes must be a whole number of bytes' }) @Min(1, { message: 'maxBuildBytes must be at least 1' })
  maxBuildBytes?: number;
  /** The workers' check of each build; absent: the deployment's (`HANGAR_SANITY_CHECK`), if any. */
  @IsOptional() @ValidateNested() @Transform(asSanityCheckBody) sanityCheck?: SanityCheckBody;
}

export class UpdateProjectBody {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  /** `null` removes the webhook. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsHttpUrl() webhookUrl?: string | null;
  @IsOptional() @IsArray() @ArrayUnique() @IsIn(ALL_WEBHOOK_EVENTS as string[], { each: true, message: `webhookEvents must be among ${ALL_WEBHOOK_EVENTS.join(', ')}` })
  webhookEvents?: WebhookEventName[];
  @IsOptional() @IsBoolean({ message: 'autoRelease must be a boolean' }) autoRelease?: boolean;
  /** `null`: back to the deployment's default. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsInt({ message: 'maxBuildBytes must be a whole number of bytes' }) @Min(1, { message: 'maxBuildBytes must be at least 1' })
  maxBuildBytes?: number | null;
  /** `null`: back to the deployment's check. */
  @IsOptional() @ValidateIf((_o, v) => v !== null) @ValidateNested() @Transform(asSanityCheckBody) sanityCheck?: SanityCheckBody | null;
}

export class TagBuildBody {
  /** `null` clears the tag. */
  @ValidateIf((_o, v) => v !== null) @IsString({ message: 'tag must be a string or null' }) @IsNotEmpty() @MaxLength(64) tag!: string | null;
}

export class CopyBuildBody {
  /** The project the copy goes to; the caller must own it as well as the source build's. */
  @IsString() @IsNotEmpty() @MaxLength(64) projectId!: string;
  /** Absent: the target project's toggle decides, as for an upload. */
  @IsOptional() @IsBoolean() autoRelease?: boolean;
}

export class ListBuildsQuery {
  @IsOptional() @IsIn(Object.values(BuildStatus)) status?: string;
  @IsOptional() @IsString() @MaxLength(64) tag?: string;
  @IsOptional() @IsString() @MaxLength(200) q?: string;
  @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) page?: number;
  @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(100) limit?: number;
}
