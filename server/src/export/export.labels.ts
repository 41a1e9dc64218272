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
  'member-units': { kind: '单位类型', committee: '所属党委', jointMeetings: '联席会议', agreements: '共建协议', jointServices: '联合服务' },
};

export const LAYER_TITLES: Record<LayerName, string> = {
  compounds: '楼院',
  'service-centres': '党群服务中心',
  projects: '三项工程一项管理项目',
  'temp-branches': '临时党支部',
  disputes: '矛盾纠纷',
  'member-units': '区域化党建成员单位',
};
