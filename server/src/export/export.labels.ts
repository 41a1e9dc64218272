import type { LayerName } from '../contract/layers.js';

/** Chinese column headers of exported tables (the people who open these files read Chinese). */
export const COMMON_HEADERS: Record<string, string> = {
  id: '编号',
  name: '名称',
  status: '状态',
  regionCode: '所属区域代码',
  regionName: '所属区域',
  lon: '经度',
  lat: '纬度',
  version: '版本',
  updatedAt: '更新时间',
};

export const LAYER_HEADERS: Record<LayerName, Record<string, string>> = {
  compounds: { kind: '楼院类型', propertyService: '物业服务', fourInOne: '四位一体', renovation: '改造状态' },
  'service-centres': { level: '层级', tier: '面积档次', rooms: '功能室', fundsWan: '年运行经费(万元)', peopleServed: '服务人次' },
  projects: { type: '项目类型', progress: '进度(%)', investmentWan: '投资(万元)' },
  'temp-branches': { origin: '依托', projectId: '项目编号', compoundId: '楼院编号', secretary: '书记', members: '党员数', foundedAt: '成立日期', dissolvedAt: '撤销日期' },
  disputes: { category: '类别', severity: '严重程度', mediationLevel: '调解层级', reportedAt: '受理时间', deadline: '办结时限', participants: '参与力量' },
  'member-units': { kind: '单位类型', committee: '所属党委' },
  'micro-wishes': { requester: '心愿人', category: '心愿类别', claimedBy: '认领单位编号', claimedByName: '认领单位', claimedAt: '认领时间', fulfilledAt: '实现时间' },
};

export const LAYER_TITLES: Record<LayerName, string> = {
  compounds: '楼院',
  'service-centres': '党群服务中心',
  projects: '三项工程一项管理项目',
  'temp-branches': '临时党支部',
  disputes: '矛盾纠纷',
  'member-units': '区域化党建成员单位',
  'micro-wishes': '微心愿',
};

/** Status labels per layer, worded as the dashboard shows them. */
export const STATUS_LABELS: Record<LayerName, Record<string, string>> = {
  compounds: { normal: '正常', pending: '待整治', in_progress: '整治中', done: '已整治', verified: '已验收' },
  'service-centres': { open: '运行中', renovating: '改造中', closed: '已关闭' },
  projects: { planned: '规划中', in_progress: '在建', completed: '已完工', accepted: '已验收' },
  'temp-branches': { active: '运行中', dissolved: '已撤销' },
  disputes: { reported: '已上报', accepted: '已受理', mediating: '调解中', resolved: '已化解', escalated: '已上交', referred: '已移交' },
  'member-units': { active: '在册', inactive: '停用' },
  'micro-wishes': { open: '待认领', claimed: '已认领', fulfilled: '已实现', cancelled: '已取消' },
};

/** Chinese labels of other coded values, by property; booleans are 是/否. Unknown values pass through as they are. */
export const VALUE_LABELS: Record<string, Record<string, string>> = {
  kind: { commercial: '商品房', unit_owned: '单位自管', unmanaged: '无主管楼院', enterprise: '企业', institution: '机关事业单位', non_public: '非公组织', market: '商圈市场' },
  propertyService: { none: '无物业', red: '红色物业', commercial: '商业物业' },
  renovation: { none: '无', planned: '计划改造', in_progress: '改造中', done: '已改造' },
  level: { street: '街道', community: '社区' },
  tier: { street: '街道中心', '500': '500㎡', '1000': '1000㎡' },
  type: { old_compound_renovation: '老旧小区改造', back_street: '背街小巷整治', urban_village: '城中村改造', property_management: '物业管理' },
  origin: { project: '项目一线', compound: '无主管楼院' },
  category: {
    neighbour: '邻里纠纷', property: '物业纠纷', family: '婚姻家庭', labour: '劳动争议', land: '土地房屋', other: '其他',
    // micro-wishes (微心愿)
    elderly: '助老', students: '助学', hardship: '助困', disabled: '助残', environment: '环境美化', culture: '文体活动',
  },
  severity: { low: '低', medium: '中', high: '高' },
  mediationLevel: { community: '社区调委会', street: '街道调委会', district: '区调解中心' },
  committee: { street: '街道区域化党工委', community: '社区区域化党委' },
  participants: { judge: '法官', prosecutor: '检察官', police: '警官', lawyer: '律师', mediator: '调解员', grid_worker: '网格员' },
};
