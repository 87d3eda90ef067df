/** Bot credentials the fake Discord accepts in the access Worker's tests (not Discord-shaped on purpose). */
export const FAKE_BOT_CREDENTIALS = {
  duck: 'fake-bot-credential-duck',
  goose: 'fake-bot-credential-goose',
} as const;
export const FAKE_BOT_USERS = { duck: '900000000000000101', goose: '900000000000000102' } as const;
export const FAKE_APPLICATIONS = { duck: '900000000000000001', goose: '900000000000000002' } as const;
