// The identifiers both sides check the same way: a tenant id is a UUID (the license's aud), an
// appliance id is 1-128 letters, digits, '.', '_', ':' or '-' starting with a letter or digit (its sub).

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const APPLIANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const isUuid = (value: string) => UUID_PATTERN.test(value);
export const isApplianceId = (value: string) => APPLIANCE_ID_PATTERN.test(value);
