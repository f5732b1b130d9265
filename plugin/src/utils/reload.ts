export const page = {
  /**
   * Reloads the page so Grafana fetches the app's settings again: there is no supported way to update a
   * running app's meta after `POST /api/plugins/<id>/settings` (create-plugin's template does the same).
   */
  reload(): void {
    window.location.reload();
  },
};
