#!/usr/bin/env node
import "../dist/cmd/nova-api.js";
