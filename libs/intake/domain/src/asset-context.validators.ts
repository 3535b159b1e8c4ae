import type { AssetContext } from '@ticketing/contracts';

/** Chains whose transaction ids share one format. */
export type NetworkFamily = 'evm' | 'btc' | 'tron' | 'sol' | 'xrp' | 'ton';

/** Common network codes (as exchanges name them on deposit and withdrawal pages) by family. */
export const NETWORK_FAMILIES: Readonly<Record<string, NetworkFamily>> = {
  ETH: 'evm',
  ERC20: 'evm',
  BSC: 'evm',
  BEP20: 'evm',
  ARBITRUM: 'evm',
  ARB: 'evm',
  OPTIMISM: 'evm',
  OP: 'evm',
  POLYGON: 'evm',
  MATIC: 'evm',
  AVAXC: 'evm',
  BASE: 'evm',
  BTC: 'btc',
  LTC: 'btc',
  BCH: 'btc',
  DOGE: 'btc',
  TRX: 'tron',
  TRC20: 'tron',
  TRON: 'tron',
  SOL: 'sol',
  SPL: 'sol',
  XRP: 'xrp',
  TON: 'ton',
};

const TX_HASH_FORMATS: Readonly<Record<NetworkFamily, RegExp>> = {
  evm: /^0x[0-9a-fA-F]{64}$/,
  btc: /^[0-9a-fA-F]{64}$/,
  tron: /^[0-9a-fA-F]{64}$/,
  // A Solana signature is 64 bytes in base58 (no 0, O, I, l).
  sol: /^[1-9A-HJ-NP-Za-km-z]{86,88}$/,
  xrp: /^[0-9a-fA-F]{64}$/,
  // 32 bytes as hex, or as base64url (43 characters and the padding `=`, which some explorers drop).
  ton: /^(?:[0-9a-fA-F]{64}|[A-Za-z0-9_-]{43}=?)$/,
};

/** For networks we do not know: loose enough for any chain's id, strict enough to refuse prose. */
export const UNKNOWN_NETWORK_TX_HASH_FORMAT = /^[A-Za-z0-9:_-]{16,128}$/;

/** The family of a network code (case-insensitive), or null when the network is not in the table. */
export const networkFamilyOf = (network: string): NetworkFamily | null =>
  Object.prototype.hasOwnProperty.call(NETWORK_FAMILIES, network.trim().toUpperCase()) ? NETWORK_FAMILIES[network.trim().toUpperCase()] : null;

/** The transaction-hash pattern for a network; unknown or missing networks get the loose pattern. */
export function txHashFormatFor(network: string | undefined | null): RegExp {
  const family = network === undefined || network === null ? null : networkFamilyOf(network);
  return family === null ? UNKNOWN_NETWORK_TX_HASH_FORMAT : TX_HASH_FORMATS[family];
}

export const isTxHashFor = (network: string | undefined | null, txHash: string): boolean => txHashFormatFor(network).test(txHash);

export const MAX_AMOUNT_SIGNIFICANT_DIGITS = 36;
export const MAX_AMOUNT_DECIMALS = 18;

const DECIMAL = /^(0|[1-9]\d*)(?:\.(\d+))?$/;

/**
 * A positive plain decimal string: no sign, exponent, leading zeros or bare point; at most 18
 * decimals and 36 significant digits (digits from the first non-zero one on,
 * trailing zeros included).
 */
export function isDecimalAmount(value: string): boolean {
  const match = DECIMAL.exec(value);
  if (match === null) return false;
  const [, whole, fraction = ''] = match;
  if (fraction.length > MAX_AMOUNT_DECIMALS) return false;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (/^0*$/.test(digits)) return false;
  return digits.length <= MAX_AMOUNT_SIGNIFICANT_DIGITS;
}

/** Asset tickers as exchanges list them: BTC, USDT, 1INCH, USDC.E. */
export const ASSET_FORMAT = /^[A-Za-z0-9][A-Za-z0-9.]{0,19}$/;
export const NETWORK_FORMAT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
export const ORDER_ID_FORMAT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export type AssetContextError = Readonly<{ field: string; message: string }>;

/**
 * Every problem with an asset context, as `{ field, message }` ready for a ValidationError (fields
 * are prefixed `assetContext.`). An empty list means valid. The tx hash is checked against the
 * format of the given network.
 */
export function validateAssetContext(context: AssetContext): readonly AssetContextError[] {
  const errors: AssetContextError[] = [];
  const { asset, network, amount, txHash, orderId } = context;
  if (asset !== undefined && !ASSET_FORMAT.test(asset)) {
    errors.push({ field: 'assetContext.asset', message: 'must be a ticker of 1-20 letters, digits or dots' });
  }
  if (network !== undefined && !NETWORK_FORMAT.test(network)) {
    errors.push({ field: 'assetContext.network', message: 'must be a network code of 1-32 letters, digits, _ or -' });
  }
  if (amount !== undefined && !isDecimalAmount(amount)) {
    errors.push({
      field: 'assetContext.amount',
      message: `must be a positive decimal string with at most ${MAX_AMOUNT_DECIMALS} decimals and ${MAX_AMOUNT_SIGNIFICANT_DIGITS} significant digits`,
    });
  }
  if (txHash !== undefined && !isTxHashFor(network, txHash)) {
    const family = network === undefined ? null : networkFamilyOf(network);
    errors.push({
      field: 'assetContext.txHash',
      message: family === null ? 'is not a transaction hash' : `is not a transaction hash for ${network} (${family})`,
    });
  }
  if (orderId !== undefined && !ORDER_ID_FORMAT.test(orderId)) {
    errors.push({ field: 'assetContext.orderId', message: 'must be 1-64 letters, digits, _ or -' });
  }
  return errors;
}
