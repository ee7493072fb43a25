// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

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
