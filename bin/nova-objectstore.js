#!/usr/bin/env node
import "../dist/cmd/nova-objectstore.js";
