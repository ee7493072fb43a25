package plugin

import "strings"

// place is where a province's viewers are drawn on a map (its capital)
// and its English name.
type place struct {
	english  string
	lat, lon float64
}

// places are China's provinces as Tencent names them (without the
// administrative suffix), for a Geomap of the regions table.
var places = map[string]place{
	"北京": {"Beijing", 39.90, 116.41}, "天津": {"Tianjin", 39.13, 117.20}, "河北": {"Hebei", 38.04, 114.51},
	"山西": {"Shanxi", 37.87, 112.55}, "内蒙古": {"Inner Mongolia", 40.84, 111.75}, "辽宁": {"Liaoning", 41.80, 123.43},
	"吉林": {"Jilin", 43.82, 125.32}, "黑龙江": {"Heilongjiang", 45.80, 126.53}, "上海": {"Shanghai", 31.23, 121.47},
	"江苏": {"Jiangsu", 32.06, 118.80}, "浙江": {"Zhejiang", 30.27, 120.15}, "安徽": {"Anhui", 31.82, 117.23},
	"福建": {"Fujian", 26.07, 119.30}, "江西": {"Jiangxi", 28.68, 115.86}, "山东": {"Shandong", 36.65, 117.12},
	"河南": {"Henan", 34.75, 113.62}, "湖北": {"Hubei", 30.59, 114.31}, "湖南": {"Hunan", 28.23, 112.94},
	"广东": {"Guangdong", 23.13, 113.26}, "广西": {"Guangxi", 22.82, 108.32}, "海南": {"Hainan", 20.04, 110.34},
	"重庆": {"Chongqing", 29.56, 106.55}, "四川": {"Sichuan", 30.57, 104.07}, "贵州": {"Guizhou", 26.65, 106.63},
	"云南": {"Yunnan", 25.04, 102.71}, "西藏": {"Tibet", 29.65, 91.13}, "陕西": {"Shaanxi", 34.34, 108.94},
	"甘肃": {"Gansu", 36.06, 103.83}, "青海": {"Qinghai", 36.62, 101.78}, "宁夏": {"Ningxia", 38.49, 106.23},
	"新疆": {"Xinjiang", 43.83, 87.62}, "香港": {"Hong Kong", 22.32, 114.17}, "澳门": {"Macao", 22.20, 113.54},
	"台湾": {"Taiwan", 25.03, 121.57},
}

// isps are the ISPs Tencent names, in English.
var isps = map[string]string{
	"电信": "China Telecom", "联通": "China Unicom", "移动": "China Mobile", "教育网": "CERNET",
	"铁通": "China Tietong", "广电": "China Broadnet", "长城宽带": "Great Wall Broadband", "鹏博士": "Dr. Peng", "其他": "Other",
}

// placeOf finds a province by Tencent's name, with or without its
// administrative suffix (广东省, 广东; 广西壮族自治区, 广西).
func placeOf(name string) (place, bool) {
	name = strings.TrimSpace(name)
	if p, ok := places[name]; ok {
		return p, true
	}
	for _, suffix := range []string{"壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			p, found := places[base]
			return p, found
		}
	}
	return place{}, false
}

// english is a name's English form where one is known, else the name.
func english(name string, known map[string]string) string {
	if e, ok := known[strings.TrimSpace(name)]; ok {
		return e
	}
	return name
}
