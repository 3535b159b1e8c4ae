export * from './language-detector.port';
export * from './tinyld-language-detector.adapter';
export * from './threaded-language-detector.adapter';
