#!/usr/bin/env node
import "../dist/cmd/nova-all.js";
