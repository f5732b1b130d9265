// Jest setup provided by Grafana scaffolding, then the plugin's own.
import './src/test/quiet';
import './.config/jest-setup';
import './src/test/setup';
