import type { Catalogue } from './zh-CN';

/** English catalogue. Typed against zh-CN so a missing or misspelt key fails the type check. */
export const en: Catalogue = {
  'app.title': 'Jinshui District — Party-building-led grassroots governance',
  'app.shortTitle': 'Governance situation map',
  'app.langSwitch': '中文',
  'app.langSwitchLabel': 'Switch to Chinese',
  'app.updatedAt': 'Updated {time}',
  'app.loading': 'Loading…',
  'app.retry': 'Retry',

  'route.leader': 'Leader view',
  'route.wall': 'Command-centre wall',
  'route.field': 'Grid coordinator (mobile)',
  'route.admin': 'Administration',
  'route.placeholder': '{mode} is under construction.',
  'route.notFound': 'No such page: {path}',
  'route.backToLeader': 'Back to the situation map',

  'auth.required.title': 'Sign-in required',
  'auth.required.body': 'Your session has expired or you are not signed in. Please sign in to continue.',

  'error.network': 'Cannot reach the server. Check the network connection.',
  'error.timeout': 'The server did not answer in time.',
  'error.notFound': 'Region {code} was not found.',
  'error.forbidden': 'This account may not view this region.',
  'error.server': 'The server ran into an error. Please try again later.',
  'error.badResponse': 'The server answered with malformed data.',
  'error.backToDistrict': 'Back to the district',

  'level.district': 'District',
  'level.street': 'Street',
  'level.community': 'Community',
  'level.grid': 'Grid',
  'level.building_group': 'Building group',

  'breadcrumb.label': 'Region hierarchy',

  'map.label': 'Map of {name}',
  'map.leaf': 'A building group is the smallest unit of governance; it has no sub-regions.',

  'metric.label': 'Colour the map by',
  'metric.openDisputes': 'Open disputes',
  'metric.overdueDisputes': 'Overdue disputes',
  'metric.unmanagedCompounds': 'Unmanaged compounds',
  'metric.compounds': 'Compounds',
  'metric.projectsInProgress': 'Projects in progress',
  'metric.tempBranches': 'Temporary Party branches',
  'metric.serviceCentres': 'Party-masses service centres',

  'legend.title': '{metric}',
  'legend.range': '{from}–{to}',
  'legend.single': '{value}',
  'legend.noData': 'No data',

  'panel.label': 'Region overview',
  'panel.partyOrg': 'Party organisation',
  'panel.secretary': 'Secretary: {name}',
  'panel.members': '{n} members',
  'panel.stars': '{n}-star building group',
  'panel.kpis': 'Key figures',
  'panel.children': 'Sub-regions (by {metric})',
  'panel.noChildren': 'No sub-regions',

  'kpi.serviceCentres.street': 'Street service centres',
  'kpi.serviceCentres.community500': '500 m² community centres',
  'kpi.serviceCentres.community1000': '1000 m² community centres',
  'kpi.tempBranches.project': 'Project-site temporary branches',
  'kpi.tempBranches.compound': 'Unmanaged-compound branches',
  'kpi.regions.community': 'Communities',
  'kpi.regions.grid': 'Grids',
  'kpi.regions.buildingGroup': 'Building groups',
  'kpi.disputes.open': 'Open disputes',
  'kpi.disputes.overdue': 'Overdue disputes',
  'kpi.projects.total': '“Three projects, one management” projects',
  'kpi.compounds.unmanaged': 'Unmanaged compounds',

  'tooltip.click': 'Click to open its sub-regions',
};
