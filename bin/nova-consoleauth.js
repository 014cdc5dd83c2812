#!/usr/bin/env node
import "../dist/cmd/nova-consoleauth.js";
