#!/usr/bin/env node
import "../dist/cmd/nova-cert.js";
