export { default } from '../_components/tab-loading';
