#!/usr/bin/env node
import "../dist/cmd/nova-compute.js";
