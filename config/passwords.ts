/**
 * Every generated password: 32 letters and digits, so that none needs quoting in a connection
 * string, a conf file or a pgpass line. The Pulumi secrets (RandomPassword with no specials), the
 * local run and the test mocks all draw from these.
 */
export const PASSWORD_LENGTH = 32;
export const PASSWORD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
