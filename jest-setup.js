// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
import { configure } from '@testing-library/react';

// findBy… and waitFor give up after this long; the default second is too short for a loaded machine.
configure({ asyncUtilTimeout: 30000 });

// jsdom has no IntersectionObserver, which @grafana/ui's option menus use only to draw scroll
// shadows; an observer that never reports is what a menu without scrolling sees anyway.
class NoIntersectionObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
Object.assign(global, { IntersectionObserver: NoIntersectionObserver });
