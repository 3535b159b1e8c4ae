import { isDecimalAmount, isTxHashFor, networkFamilyOf, txHashFormatFor, validateAssetContext, UNKNOWN_NETWORK_TX_HASH_FORMAT } from './asset-context.validators';

const HEX64 = '3a1f9c2e5b7d4a6c8e0f1b3d5a7c9e1f3b5d7a9c1e3f5b7d9a1c3e5f7b9d1a3c';
const SOL_SIG = '5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW';

describe('isDecimalAmount', () => {
  it.each(['1', '0.5', '500.25', '0.000000000000000001', '123456789012345678.123456789012345678', '10.000'])('accepts %s', (value) => {
    expect(isDecimalAmount(value)).toBe(true);
  });

  it.each([
    ['zero', '0'],
    ['zero with decimals', '0.000'],
    ['a negative', '-1'],
    ['a sign', '+1'],
    ['an exponent', '1e5'],
    ['an exponent in caps', '1E-5'],
    ['leading zeros', '007'],
    ['a bare point', '.5'],
    ['a trailing point', '1.'],
    ['a comma', '1,5'],
    ['spaces', ' 1'],
    ['19 decimals', '0.0000000000000000001'],
    ['37 significant digits', '1234567890123456789.123456789012345678'],
    ['a huge whole number', '1' + '0'.repeat(36)],
    ['text', 'ten'],
    ['empty', ''],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
  ])('refuses %s', (_name, value) => {
    expect(isDecimalAmount(value)).toBe(false);
  });

  it('counts 36 significant digits exactly', () => {
    expect(isDecimalAmount('123456789012345678.123456789012345678')).toBe(true);
    expect(isDecimalAmount('9'.repeat(36))).toBe(true);
    expect(isDecimalAmount('9'.repeat(37))).toBe(false);
  });
});

describe('networkFamilyOf', () => {
  it.each([
    ['ETH', 'evm'],
    ['ERC20', 'evm'],
    ['BSC', 'evm'],
    ['BEP20', 'evm'],
    ['ARBITRUM', 'evm'],
    ['OPTIMISM', 'evm'],
    ['POLYGON', 'evm'],
    ['AVAXC', 'evm'],
    ['BASE', 'evm'],
    ['BTC', 'btc'],
    ['LTC', 'btc'],
    ['BCH', 'btc'],
    ['DOGE', 'btc'],
    ['TRX', 'tron'],
    ['TRC20', 'tron'],
    ['SOL', 'sol'],
    ['XRP', 'xrp'],
    ['TON', 'ton'],
    ['erc20', 'evm'],
    [' trc20 ', 'tron'],
  ])('puts %s in %s', (network, family) => {
    expect(networkFamilyOf(network)).toBe(family);
  });

  it('knows nothing of other networks, nor of object properties', () => {
    expect(networkFamilyOf('APTOS')).toBeNull();
    expect(networkFamilyOf('constructor')).toBeNull();
    expect(networkFamilyOf('__proto__')).toBeNull();
  });
});

describe('txHashFormatFor', () => {
  it.each([
    ['ETH', `0x${HEX64}`],
    ['BEP20', `0x${HEX64.toUpperCase()}`],
    ['BTC', HEX64],
    ['LTC', HEX64],
    ['TRC20', HEX64],
    ['XRP', HEX64.toUpperCase()],
    ['SOL', SOL_SIG],
    ['TON', HEX64],
    ['TON', 'Q2xhc3NpYy1UT04taGFzaC0zMi1ieXRlcy1sb25nLXg='],
    ['TON', 'Q2xhc3NpYy1UT04taGFzaC0zMi1ieXRlcy1sb25nLXg'],
    ['APTOS', '0xabc123def4567890'],
    [undefined, 'abc:def_ghi-1234'],
  ])('accepts a %s hash %s', (network, hash) => {
    expect(isTxHashFor(network, hash)).toBe(true);
  });

  it.each([
    ['ETH', HEX64, 'an EVM hash without 0x'],
    ['ETH', `0x${HEX64.slice(1)}`, 'an EVM hash one digit short'],
    ['ERC20', `0x${HEX64.slice(1)}g`, 'a non-hex digit'],
    ['BTC', `0x${HEX64}`, 'a BTC hash with 0x'],
    ['BTC', `${HEX64}0`, 'a BTC hash one digit long'],
    ['TRC20', 'T' + HEX64.slice(1), 'a TRON hash with a letter'],
    ['SOL', HEX64, 'a hex hash on Solana'],
    ['SOL', SOL_SIG.slice(0, 85), 'a Solana signature too short'],
    ['SOL', SOL_SIG.slice(0, 85) + '0', 'a Solana signature with 0 (not base58)'],
    ['XRP', `0x${HEX64}`, 'an XRP hash with 0x'],
    ['TON', 'Q2xhc3NpYy1UT04taGFzaC0zMi1ieXRlcy1sb25nLX+=', 'base64 that is not url-safe'],
    ['APTOS', 'short', 'a too short id on an unknown network'],
    ['APTOS', 'my withdrawal hash', 'prose'],
    [undefined, 'x'.repeat(129), 'an id too long'],
  ])('refuses on %s %s (%s)', (network, hash, _why) => {
    expect(isTxHashFor(network, hash)).toBe(false);
  });

  it('gives unknown or missing networks the loose pattern', () => {
    expect(txHashFormatFor('APTOS')).toBe(UNKNOWN_NETWORK_TX_HASH_FORMAT);
    expect(txHashFormatFor(null)).toBe(UNKNOWN_NETWORK_TX_HASH_FORMAT);
    expect(txHashFormatFor('ETH')).not.toBe(UNKNOWN_NETWORK_TX_HASH_FORMAT);
  });
});

describe('validateAssetContext', () => {
  it('accepts an empty or a complete valid context', () => {
    expect(validateAssetContext({})).toEqual([]);
    expect(validateAssetContext({ asset: 'USDT', network: 'TRC20', amount: '500.25', txHash: HEX64, orderId: 'ord_123-9' })).toEqual([]);
    expect(validateAssetContext({ asset: 'USDC.E', network: 'ARBITRUM', txHash: `0x${HEX64}` })).toEqual([]);
  });

  it('names every bad field', () => {
    const errors = validateAssetContext({ asset: 'US DT', network: 'TRC 20', amount: '1e3', txHash: 'nope', orderId: 'ord 1' });
    expect(errors.map((error) => error.field)).toEqual([
      'assetContext.asset',
      'assetContext.network',
      'assetContext.amount',
      'assetContext.txHash',
      'assetContext.orderId',
    ]);
  });

  it('checks the tx hash against the network given', () => {
    const [error] = validateAssetContext({ network: 'ETH', txHash: HEX64 });
    expect(error).toEqual({ field: 'assetContext.txHash', message: 'is not a transaction hash for ETH (evm)' });
    expect(validateAssetContext({ network: 'BTC', txHash: HEX64 })).toEqual([]);
  });
});
