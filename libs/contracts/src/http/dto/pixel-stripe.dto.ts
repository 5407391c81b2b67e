import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min } from 'class-validator';
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

