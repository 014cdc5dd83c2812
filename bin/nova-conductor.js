#!/usr/bin/env node
import "../dist/cmd/nova-conductor.js";
