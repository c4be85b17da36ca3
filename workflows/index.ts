// The worker bundles this file: every workflow type is exported here.
export { dfspOnboarding } from './dfsp';
export { tppOnboarding } from './tpp';
export { bankOnboarding } from './bank';
