#!/usr/bin/env node
import "../dist/cmd/nova-novncproxy.js";
