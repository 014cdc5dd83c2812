#!/usr/bin/env node
import "../dist/cmd/nova-cells.js";
