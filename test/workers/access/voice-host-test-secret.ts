/** The voice host secret the access-worker test project binds (VOICE_HOST_SECRET); tests only. */
export const VOICE_HOST_TEST_SECRET = 'voice-host-test-secret-0123456789';
