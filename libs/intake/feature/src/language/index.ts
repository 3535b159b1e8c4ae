export * from './language-detector.port';
export * from './eld-language-detector.adapter';
export * from './threaded-language-detector.adapter';
