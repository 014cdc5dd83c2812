#!/usr/bin/env node
import "../dist/cmd/nova-api-metadata.js";
