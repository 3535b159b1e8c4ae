export * from './article.state';
export * from './article.decider';
export * from './kb-session.decider';
