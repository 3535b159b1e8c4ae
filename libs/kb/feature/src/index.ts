export * from './kb.module';
export * from './kb.context';
export * from './read-model/kb-articles.projection';
export * from './read-model/kb-sessions.projection';
export * from './search/article-search.index';
export * from './starter/starter-kb.loader';
export * from './application/kb-suggestions.service';
