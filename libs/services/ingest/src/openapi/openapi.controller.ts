import { Controller, Get } from '@nestjs/common';
import { openApiDocument } from './openapi-document';

@Controller()
export class OpenApiController {
  private readonly document = openApiDocument();

  /** Public, like the schemas in the repository: it describes the API, it holds no data. */
  @Get('v1/openapi.json')
  openApi(): Record<string, unknown> {
    return this.document;
  }
}
