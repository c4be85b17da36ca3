// The worker bundles this file: every workflow type is exported here.
export { tppOnboarding } from './tpp';
