/**
 * Synthetic but plausible Chinese names for the sample: people, communities, compounds, building groups,
 * member units. None of them is meant to identify a real person or place (road names are generic street
 * names of the kind every Zhengzhou district has).
 */
import type { Rng } from './rng.js';

/** The most common surnames (as in Henan) come first in the list and are drawn more often. */
const SURNAMES = [...'王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶闫余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟段雷钱汤尹常武乔贺龚牛'];
const GIVEN = [...'伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华红梅玉文博宇浩欣怡晓东春建立新振国淑珍凤桂德志海燕亮峰鹏辉琳颖婷雪慧萍丹彬斌卫荣凯鑫瑞晨阳帆宁永庆福秀英俊毅彤琪璐倩蕾书豪卓冰'];

export function personName(rng: Rng): string {
  // Skewed towards the front of the list: a handful of surnames cover a large share of people.
  const surname = SURNAMES[Math.floor(SURNAMES.length * rng.next() ** 1.8)];
  const given = rng.chance(0.3) ? rng.pick(GIVEN) : rng.pick(GIVEN) + rng.pick(GIVEN);
  return surname + given;
}

/** Generic road names; community, compound and project names are built from them. */
export const ROADS = [
  '经一路', '经三路', '经五路', '经七路', '纬一路', '纬二路', '纬三路', '纬四路', '纬五路', '黄河路', '金水路', '农业路',
  '红专路', '政七街', '政六街', '健康路', '园田路', '东明路', '玉凤路', '三全路', '索凌路', '天明路', '优胜路', '沙口路',
  '博颂路', '柳林路', '宏达路', '姚砦路', '红旗路', '城北路', '凤凰路', '康平路', '如意路', '鑫苑路', '银河路', '顺河路',
  '东里路', '南屏路', '岗杜街', '金融路', '文博路', '信息路', '科源路', '英协路', '农科路', '冯庄路', '广电南路', '纬北路',
  '南阳西路', '丰乐路', '庆丰街', '东三街', '晨旭路', '明理路', '中州大道', '群办路', '关虎屯路', '新柳路', '开元路', '徐庄路',
];

/** Two-character stems for residential names (锦华苑, 瑞景花园 …). */
const STEMS = [
  '顺一', '文苑', '锦华', '金桥', '龙湖', '凤台', '华庭', '嘉园', '瑞景', '盛世', '和谐', '康宁', '安泰', '福寿', '银基',
  '金城', '翠竹', '青年', '银河', '建设', '永安', '祥和', '新苑', '馨港', '丽景', '怡园', '东方', '南苑', '北苑', '晨光',
  '曙光', '胜利', '幸福', '光明', '团结', '友爱', '国泰', '民安', '万福', '海棠', '玉兰', '紫荆', '桂园', '书香', '育才',
  '金色', '绿景', '清华', '博雅', '润泽', '德润', '融城', '天骄', '汇金', '泰和', '锦江', '雅居', '恒丰', '裕华', '宏光',
];

/** Short stems of work units, for community names built around a unit's compound (农业院社区 style). */
const UNIT_STEMS = [
  '电力', '邮电', '通信', '农科', '水利', '纺织', '铁路', '地质', '粮食', '交通', '建工', '医学', '师范', '财经', '煤炭',
  '冶金', '林业', '医药', '化工', '机械', '轻工', '广电', '物资', '测绘', '气象', '供销', '商业', '外贸', '建材', '水文',
];

/** Work units (单位) whose staff housing became unit-owned compounds (家属院). 厅 are provincial bodies. */
const UNITS = [
  '水利厅', '交通厅', '林业厅', '卫生厅', '教育厅', '电力公司', '邮电局', '农科院', '纺织厂', '铁路局', '地质局', '粮食局',
  '建工集团', '医学院', '师范学院', '财经学院', '煤炭设计院', '冶金研究所', '医药公司', '化工厂', '机械厂', '轻工研究所',
  '广电局', '物资局', '测绘局', '气象局', '供销社', '商业局', '外贸公司', '建材研究院', '水文局', '烟草公司', '自来水公司',
  '公交公司', '第二建筑公司', '电缆厂', '棉纺厂', '印刷厂', '审计局', '统计局',
];

const RES_SUFFIX = ['苑', '园', '花园', '小区', '家园', '公寓', '嘉苑', '新村', '雅苑', '名门'];
const COMMUNITY_SUFFIX = ['里', '苑', '园', '新村', '花园', '小区', '家园', '社区'];
const VILLAGE_PREFIX = ['东', '西', '南', '北', '大', '小', '前', '后', '', '', '', ''];
const VILLAGE_SUFFIX = ['庄', '寨', '砦', '岗', '营', '湾', '屯', '庄', '寨'];

/** Draws names until one is new, so names stay unique; after many tries accepts a repeat (only huge scales). */
export class UniqueNames {
  private readonly used = new Set<string>();
  constructor(private readonly rng: Rng) {}

  take(make: (rng: Rng) => string, tries = 60): string {
    let name = make(this.rng);
    for (let i = 0; i < tries && this.used.has(name); i++) name = make(this.rng);
    this.used.add(name);
    return name;
  }

  has(name: string): boolean {
    return this.used.has(name);
  }

  reserve(name: string): void {
    this.used.add(name);
  }
}

export function communityName(rng: Rng): string {
  const r = rng.next();
  if (r < 0.35) return rng.pick(ROADS) + '社区';
  if (r < 0.5) return rng.pick(UNIT_STEMS) + '院社区'; // e.g. 农业院社区: built around a unit's compound
  const suffix = rng.pick(COMMUNITY_SUFFIX);
  return rng.pick(STEMS) + (suffix === '社区' ? '' : suffix) + '社区';
}

export function villageName(rng: Rng): string {
  return rng.pick(VILLAGE_PREFIX) + rng.pick(SURNAMES.slice(0, 40)) + rng.pick(VILLAGE_SUFFIX) + '村';
}

/** Old numbered courtyard: 园田路3号院. The classic unmanaged compound. */
export const courtyardName = (rng: Rng): string => `${rng.pick(ROADS)}${rng.int(1, 199)}号院`;

/** A work unit: 省水利厅, 市电力公司. */
export function unitName(rng: Rng): string {
  const prefix = rng.pick(['省', '市', '郑州', '河南省', '郑州市']);
  const units = prefix.includes('省') ? UNITS : UNITS.filter((u) => !u.endsWith('厅'));
  return prefix + rng.pick(units);
}

/** Staff housing of a work unit: 省水利厅家属院. */
export const unitCompoundName = (rng: Rng): string =>
  unitName(rng) + rng.pick(['家属院', '家属院', '家属院', '宿舍', '生活区', '东院', '西院', '北院']);

/** Commercial estate: 锦华苑, 瑞景花园二期. */
export const estateName = (rng: Rng): string =>
  rng.pick(STEMS) + rng.pick(RES_SUFFIX) + rng.pick(['', '', '', '', '二期', '三期']);

/** A name for the cluster of buildings a grid's building groups are named after. */
export function compoundishName(rng: Rng, villageOf?: string): string {
  if (villageOf) return `${villageOf.replace(/村$/, '')}安置区`;
  const r = rng.next();
  if (r < 0.4) return courtyardName(rng);
  if (r < 0.65) return unitCompoundName(rng);
  return estateName(rng);
}

const BRANDS = [
  '中原', '豫信', '华鼎', '金诺', '嵩岳', '黄河', '绿城', '天地', '宏达', '瑞丰', '同创', '恒信', '博远', '正源', '鼎盛',
  '华夏', '中鼎', '金航', '泰宏', '昌盛', '鸿运', '众联', '智谷', '远航', '凯旋', '商都', '郑新', '汇通', '诚信', '安和',
];
const INDUSTRIES = ['科技', '建设', '实业', '置业', '商贸', '电子', '信息技术', '物流', '文化传媒', '餐饮管理', '医药', '软件', '环保', '电气'];
const INSTITUTIONS = [
  '教育局', '卫生健康委员会', '住房保障局', '人力资源和社会保障局', '市场监督管理局', '税务局', '供电公司', '自来水公司', '燃气公司',
  '邮政分公司', '人民医院', '中医院', '妇幼保健院', '实验中学', '第一中学', '外国语小学', '农业科学院', '地质调查院', '图书馆',
  '文化馆', '公安分局', '消防救援站', '疾病预防控制中心', '职业技术学院',
];

export function memberUnitName(rng: Rng, kind: 'enterprise' | 'institution' | 'non_public' | 'market'): string {
  switch (kind) {
    case 'enterprise':
      return `${rng.pick(['河南', '郑州', '河南省'])}${rng.pick(BRANDS)}${rng.pick(INDUSTRIES)}有限公司`;
    case 'institution':
      return `${rng.pick(['河南省', '郑州市', '金水区'])}${rng.pick(INSTITUTIONS)}`;
    case 'non_public':
      return `${rng.pick(['河南', '郑州'])}${rng.pick(BRANDS)}${rng.pick(['律师事务所', '会计师事务所', '社会工作服务中心', '养老服务中心', '物业服务有限公司', '培训学校'])}`;
    case 'market':
      return `${rng.pick(BRANDS)}${rng.pick(['商贸城', '农贸市场', '购物中心', '商业街', '建材市场', '服装城'])}`;
  }
}
