import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsHttpUrl } from './is-http-url';


/** Streampixel-compatible POST bodies: credentials travel in the body. */
export class PixelStripeCredentials {
  @IsString() @IsNotEmpty() apiKey!: string;
  @IsString() @IsNotEmpty() userId!: string;
}

export class UploadFileBody extends PixelStripeCredentials {
  @IsString() @IsNotEmpty() projectId!: string;
  @IsString() @IsNotEmpty() @IsHttpUrl() fileUrl!: string;
  @IsOptional() @IsBoolean({ message: 'autoRelease must be a boolean' }) autoRelease?: boolean;
  /** Hangar's addition: the zip's SHA-256 (64 hex digits); a download that hashes otherwise is rejected. */
  @IsOptional() @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hexadecimal digits' }) sha256?: string;
  /** Hangar's addition: the zip's size in bytes; a download of another size is rejected. */
  @IsOptional() @IsInt({ message: 'size must be a whole number of bytes' }) @Min(0, { message: 'size must not be negative' }) size?: number;
}

export class DistributeFileBody extends PixelStripeCredentials {
  @IsString() @IsNotEmpty() projectId!: string;
  @IsString() @IsNotEmpty() uploadId!: string;
}

export class TestWebhookBody extends PixelStripeCredentials {
  @IsString() @IsNotEmpty() projectId!: string;
}

/** GET calls send `userId` and `apikey` (lower-case k) in the query string. */
export class PixelStripeQuery {
  @IsString() @IsNotEmpty() userId!: string;
  @IsString() @IsNotEmpty() apikey!: string;
  @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) page?: number;
  @IsOptional() @Transform(({ value }) => Number(value)) @IsInt() @Min(1) @Max(100) limit?: number;
}

