import { notAvailableYet } from './not-yet.js';

notAvailableYet('nova-objectstore', 'the S3 object store');
