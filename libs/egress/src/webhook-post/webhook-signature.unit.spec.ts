import { standardWebhookHeaders } from './webhook-signature';

describe('standardWebhookHeaders', () => {
  // The test vector of the Standard Webhooks reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const payload = '{"test": 2432232314}';

  it('signs id.timestamp.body with the base64-decoded secret', () =>
    expect(standardWebhookHeaders(id, 1614265330, payload, [secret])).toEqual({
      'webhook-id': id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    }));

  it('sends one signature per secret during a rotation, newest first', () => {
    const headers = standardWebhookHeaders(id, 1614265330, payload, ['whsec_' + Buffer.alloc(24, 1).toString('base64'), secret]);
    const signatures = headers['webhook-signature'].split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures[1]).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});
