/**
 * Simplified Chinese message catalogue (the default locale).
 * This file is the source of truth for the set of keys: other catalogues are typed against it.
 * Placeholders are written `{name}` and filled by `t(key, { name })`.
 */
export const zhCN = {
  'app.title': '金水区党建引领基层治理态势图',
  'app.shortTitle': '基层治理态势图',
  'app.langSwitch': 'English',
  'app.langSwitchLabel': '切换到英文界面',
  'app.updatedAt': '数据更新于 {time}',
  'app.loading': '正在加载…',
  'app.retry': '重试',

  'route.leader': '领导驾驶舱',
  'route.wall': '指挥中心大屏',
  'route.field': '网格员移动端',
  'route.admin': '系统管理',
  'route.placeholder': '{mode}正在建设中。',
  'route.notFound': '页面不存在：{path}',
  'route.backToLeader': '返回态势图',

  'auth.required.title': '需要登录',
  'auth.required.body': '登录已失效或尚未登录，请登录后继续查看。',

  'error.network': '无法连接服务器，请检查网络。',
  'error.timeout': '服务器响应超时。',
  'error.notFound': '没有找到该区域（{code}）。',
  'error.forbidden': '当前账号无权查看该区域。',
  'error.server': '服务器出错，请稍后再试。',
  'error.badResponse': '服务器返回的数据格式不正确。',
  'error.backToDistrict': '回到全区',

  'level.district': '区',
  'level.street': '街道',
  'level.community': '社区',
  'level.grid': '网格',
  'level.building_group': '楼组',

  'breadcrumb.label': '区域层级',

  'map.label': '{name}区域地图',
  'map.leaf': '楼组是最小的治理单元，没有下级区域。',

  'metric.label': '地图着色指标',
  'metric.openDisputes': '未化解矛盾纠纷',
  'metric.overdueDisputes': '超期矛盾纠纷',
  'metric.unmanagedCompounds': '无主管楼院',
  'metric.compounds': '楼院总数',
  'metric.projectsInProgress': '在建项目',
  'metric.tempBranches': '临时党支部',
  'metric.serviceCentres': '党群服务中心',

  'legend.title': '{metric}（个）',
  'legend.range': '{from}–{to}',
  'legend.single': '{value}',
  'legend.noData': '无数据',

  'panel.label': '区域概况',
  'panel.partyOrg': '党组织',
  'panel.secretary': '书记：{name}',
  'panel.members': '党员 {n} 名',
  'panel.stars': '{n} 星级楼组',
  'panel.kpis': '关键指标',
  'panel.children': '下级区域（按{metric}排序）',
  'panel.noChildren': '没有下级区域',

  'kpi.serviceCentres.street': '街道党群服务中心',
  'kpi.serviceCentres.community500': '500㎡社区党群服务中心',
  'kpi.serviceCentres.community1000': '1000㎡社区党群服务中心',
  'kpi.tempBranches.project': '项目一线临时党支部',
  'kpi.tempBranches.compound': '无主管楼院党支部',
  'kpi.regions.community': '社区',
  'kpi.regions.grid': '网格',
  'kpi.regions.buildingGroup': '楼组',
  'kpi.disputes.open': '未化解矛盾纠纷',
  'kpi.disputes.overdue': '超期矛盾纠纷',
  'kpi.projects.total': '“三项工程、一项管理”项目',
  'kpi.compounds.unmanaged': '无主管楼院',

  'tooltip.click': '点击查看下级区域',
} as const;

export type MessageKey = keyof typeof zhCN;
export type Catalogue = Record<MessageKey, string>;
