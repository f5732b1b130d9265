import React from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { ROUTES, prefixRoute } from '../../constants';
import type { AppSettings } from '../../types';
import { AppMetaProvider } from '../../utils/appMeta';

const Overview = React.lazy(() => import('../../pages/Overview/Overview'));
const Providers = React.lazy(() => import('../../pages/Providers/Providers'));
const Budgets = React.lazy(() => import('../../pages/Budgets/Budgets'));
const Alerts = React.lazy(() => import('../../pages/Alerts/Alerts'));

function App(props: AppRootProps<AppSettings>) {
  return (
    <AppMetaProvider meta={props.meta}>
      <Routes>
        <Route path={ROUTES.Overview} element={<Overview />} />
        <Route path={ROUTES.Providers} element={<Providers />} />
        <Route path={ROUTES.Budgets} element={<Budgets />} />
        <Route path={ROUTES.Alerts} element={<Alerts />} />
        {/* Absolute: a relative target inside a splat route would resolve below the unknown path. */}
        <Route path="*" element={<Navigate to={prefixRoute(ROUTES.Overview)} replace />} />
      </Routes>
    </AppMetaProvider>
  );
}

export default App;
