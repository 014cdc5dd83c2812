import { notAvailableYet } from './not-yet.js';

notAvailableYet('nova-novncproxy', 'the websocket VNC console proxy');
