import { notAvailableYet } from './not-yet.js';

notAvailableYet('nova-cells', 'cells');
