"""Seeds the simulator with a realistic (entirely fictitious) outpatient department.

12 departments, ~40 doctors with titles and registration fees, 7 days of morning and afternoon
sessions, ~200 patients with Chinese names and resident ID numbers whose GB 11643 check
character is valid, visit / insurance / health cards, unpaid itemised bills and final lab and
imaging reports with PDF attachments, and today's appointments for the demo people (one open for
check-in at seeding time, one later today that is too early). Deterministic for a given seed,
relative to the simulator clock's "now" when seeding (``HisSimulator(now=...)`` fixes it).
Runs once on the thread that creates the simulator.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from kiosk.demo_people import DEMO_PEOPLE
from kiosk.domain import MaskKind, decimal_from_fen, mask, resident_id_check_char
from kiosk.his.mapping import KIOSK_TAG_SYSTEM, ORG_TYPE_SYSTEM, TAG_PRINTED, V2_0074
from kiosk.his.simulator.pdf import TextLine, render_pdf
from kiosk.his.simulator.store import ResourceStore

log = logging.getLogger(__name__)

Json = dict[str, Any]

HOSPITAL_NAME = "示例市第一人民医院"

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("内科", "呼吸、消化、内分泌、肾脏及风湿免疫等常见内科疾病的初诊与慢性病复诊"),
    ("外科", "普通外科、甲状腺乳腺外科、肝胆胰外科、创伤清创缝合及术后换药复查"),
    ("儿科", "14岁以下儿童常见病"),
    ("妇产科", "妇科疾病、产前检查"),
    ("眼科", "视力、白内障、青光眼"),
    ("耳鼻喉科", "耳、鼻、咽喉疾病"),
    ("口腔科", "牙体牙髓、口腔修复"),
    ("皮肤科", "湿疹、皮炎、过敏"),
    ("中医科", "中医内科、针灸推拿"),
    ("骨科", "骨折、关节、脊柱"),
    ("神经内科", "头痛、眩晕、脑血管病"),
    ("心血管内科", "高血压、冠心病、心律失常、心力衰竭、心脏瓣膜病及冠脉支架术后随访"),
)

# Title → (registration fee in fen, session capacity).
TITLES: dict[str, tuple[int, int]] = {
    "主任医师": (5000, 15),
    "副主任医师": (3000, 20),
    "主治医师": (2000, 30),
    "住院医师": (1000, 40),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣建国志文博晨阳"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲桂丹萍红玉兰琳雪梅婷慧莹晶颖倩洁琴云秀英华佳欣悦怡"
# Region codes (GB/T 2260) of a few city districts, for ID numbers.
REGIONS = ("110101", "110105", "310104", "310115", "440106", "440304", "330106", "320102", "510107", "420106")

# (code, name, category, unit price in fen, typical quantity range)
CATALOG: tuple[tuple[str, str, str, int, tuple[int, int]], ...] = (
    ("F001", "普通门诊诊查费", "诊查费", 1000, (1, 1)),
    ("L001", "血常规(五分类)", "化验费", 2500, (1, 1)),
    ("L002", "尿常规", "化验费", 1500, (1, 1)),
    ("L003", "肝功能八项", "化验费", 6800, (1, 1)),
    ("L004", "C反应蛋白测定", "化验费", 3000, (1, 1)),
    ("E001", "胸部正位X线摄影", "检查费", 8000, (1, 1)),
    ("E002", "腹部彩色多普勒超声(肝胆胰脾双肾输尿管膀胱)", "检查费", 16000, (1, 1)),
    ("E003", "头颅CT平扫", "检查费", 28000, (1, 1)),
    ("E004", "常规心电图检查", "检查费", 2500, (1, 1)),
    ("M001", "阿莫西林克拉维酸钾分散片(7:1) 0.2285g*12片", "西药费", 1850, (1, 3)),
    ("M002", "布洛芬缓释胶囊 0.3g*20粒", "西药费", 2260, (1, 2)),
    ("M003", "盐酸左氧氟沙星氯化钠注射液(可乐必妥) 0.5g:100ml*1瓶", "西药费", 3120, (1, 2)),
    ("M004", "复方甲氧那明胶囊(阿斯美) 12.5mg*60粒", "西药费", 860, (1, 3)),
    ("H001", "中药饮片(每剂)", "中药费", 3650, (3, 7)),
    ("T001", "静脉输液(首瓶)", "治疗费", 1200, (1, 1)),
    ("T002", "针灸治疗(每次)", "治疗费", 4000, (1, 5)),
)

# (category code, category display, title, analyte rows: name, unit, low, high, decimals)
LAB_PANELS: tuple[tuple[str, str, tuple[tuple[str, str, float, float, int], ...]], ...] = (
    (
        "血常规检验报告",
        "58410-2",
        (
            ("白细胞计数 WBC", "10^9/L", 3.5, 9.5, 2),
            ("红细胞计数 RBC", "10^12/L", 3.8, 5.8, 2),
            ("血红蛋白 HGB", "g/L", 115, 175, 0),
            ("血小板计数 PLT", "10^9/L", 125, 350, 0),
        ),
    ),
    (
        "肝功能检验报告",
        "24325-3",
        (
            ("丙氨酸氨基转移酶 ALT", "U/L", 9, 50, 0),
            ("天门冬氨酸氨基转移酶 AST", "U/L", 15, 40, 0),
            ("总胆红素 TBIL", "umol/L", 0, 26, 1),
            ("白蛋白 ALB", "g/L", 40, 55, 1),
        ),
    ),
    (
        "尿常规检验报告",
        "24356-8",
        (
            ("尿比重 SG", "", 1.003, 1.030, 3),
            ("酸碱度 pH", "", 4.5, 8.0, 1),
        ),
    ),
)
IMAGING = (
    ("胸部X线检查报告", "36643-5", "两肺纹理清晰，未见明显实质性病变。心影大小形态正常。"),
    ("腹部超声检查报告", "24558-9", "肝脏大小形态正常，包膜光整，实质回声均匀。胆囊、胰腺、脾脏未见明显异常。"),
    ("头颅CT检查报告", "30799-1", "脑实质内未见明显异常密度影，脑室系统未见扩大，中线结构居中。"),
)

LOINC = "http://loinc.org"
CHARGE_CODES = "urn:hospital-kiosk:sim:charge-item"
INVOICE_NUMBERS = "urn:hospital-kiosk:sim:invoice-number"
REPORT_NUMBERS = "urn:hospital-kiosk:sim:report-number"


@dataclass(frozen=True)
class SeedSystems:
    """The identifier systems and extension base the simulator speaks (same as the client's config)."""

    resident_id: str
    visit_card: str
    insurance_card: str
    health_card: str
    booking_key: str
    payment_reference: str
    receipt_number: str
    queue_number: str
    extension_base: str

    def ext(self, name: str) -> str:
        return f"{self.extension_base.rstrip('/')}/{name}"


def money(fen: int) -> Json:
    return {"value": decimal_from_fen(fen), "currency": "CNY"}


def make_resident_id(rng: random.Random, birth: date, male: bool) -> str:
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd for men, even for women
    first17 = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


def _name(rng: random.Random, male: bool) -> tuple[str, str]:
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    given = "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES), given


def _clinic_area(index: int) -> str:
    """Where a department's clinic is: three departments a floor, from the second floor up."""
    return f"门诊楼{2 + index // 3}层 {'ABC'[index % 3]}区"


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


# Per demo person: (hours after the first open hour, department index, queue number) of today's
# appointments. The first is open for check-in at seeding time; the second is too early.
_DEMO_BOOKINGS: tuple[tuple[tuple[int, int, int], ...], ...] = (
    ((0, 11, 8), (3, 4, 3)),  # 张三: 心血管内科 now, 眼科 later
    ((0, 0, 12), (3, 6, 5)),  # 李四: 内科 now, 口腔科 later
)


def _first_schedule(schedules: list[tuple[Json, int]], dept_id: str) -> Json:
    """The schedule of a department's first doctor (who works every session)."""
    target = f"HealthcareService/{dept_id}"
    for schedule, _capacity in schedules:
        if any(actor.get("reference") == target for actor in schedule.get("actor", [])):
            return schedule
    raise ValueError(f"no schedule for {dept_id}")


class Seeder:
    """Writes the seed data into a store (on the creating thread, inside one transaction)."""

    def __init__(self, store: ResourceStore, systems: SeedSystems, now: datetime, seed: int) -> None:
        self._store = store
        self._sys = systems
        self._now = now
        self._zone = now.tzinfo
        self._rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets

    def run(self, patients: int = 200) -> None:
        with self._store.atomic():
            depts = self._departments()
            schedules = self._doctors(depts)
            self._slots(schedules)
            for index in range(patients):
                self._patient(index, depts)
            self._demo_people(depts)
            self._demo_appointments(schedules)
        log.info("simulator seeded: %d departments, %d doctors, %d patients", len(depts), len(schedules), patients)

    def _create(self, rtype: str, body: Json, rid: str) -> Json:
        return self._store.create(rtype, body, self._now, rid)

    def _departments(self) -> list[Json]:
        out = []
        for number, (name, description) in enumerate(DEPARTMENTS, start=1):
            rid = f"dept-{number:02d}"
            out.append(
                self._create(
                    "HealthcareService",
                    {
                        "active": True,
                        "name": name,
                        "comment": description,
                        "type": [{"text": name}],
                        "providedBy": {"reference": "Organization/hospital"},
                    },
                    rid,
                )
            )
            self._create(
                "Location",
                {"status": "active", "name": _clinic_area(number - 1), "physicalType": {"text": "诊区"}},
                rid,
            )
            self._create(
                "Organization",
                {
                    "active": True,
                    "name": name,
                    "alias": [description],
                    "type": [{"coding": [{"system": ORG_TYPE_SYSTEM, "code": "dept"}]}],
                    "partOf": {"reference": "Organization/hospital"},
                },
                rid,
            )
        self._create(
            "Organization",
            {
                "active": True,
                "name": HOSPITAL_NAME,
                "type": [{"coding": [{"system": ORG_TYPE_SYSTEM, "code": "prov"}]}],
            },
            "hospital",
        )
        return out

    def _doctors(self, depts: list[Json]) -> list[tuple[Json, int]]:
        rng = self._rng
        schedules: list[tuple[Json, int]] = []
        titles = list(TITLES)
        number = 0
        for index, dept in enumerate(depts):
            count = 4 if index % 3 == 0 else 3  # 12 departments → 40 doctors
            for position in range(count):
                number += 1
                male = rng.random() < 0.5
                family, given = _name(rng, male)
                title = titles[min(position, len(titles) - 1)]
                fee, capacity = TITLES[title]
                doctor = self._create(
                    "Practitioner",
                    {
                        "active": True,
                        "gender": "male" if male else "female",
                        "name": [{"text": family + given, "family": family, "given": [given]}],
                        "qualification": [{"code": {"text": title}}],
                    },
                    f"doc-{number:03d}",
                )
                schedule = self._create(
                    "Schedule",
                    {
                        "active": True,
                        "serviceType": [{"text": dept["name"]}],
                        "actor": [
                            {"reference": f"Practitioner/{doctor['id']}", "display": family + given},
                            {"reference": f"HealthcareService/{dept['id']}", "display": dept["name"]},
                            {"reference": f"Location/{dept['id']}", "display": _clinic_area(index)},
                        ],
                        "extension": [{"url": self._sys.ext("registration-fee"), "valueMoney": money(fee)}],
                        "comment": title,
                    },
                    f"sch-{number:03d}",
                )
                schedules.append((schedule, capacity))
        return schedules

    def _slots(self, schedules: list[tuple[Json, int]]) -> None:
        rng = self._rng
        today = self._now.date()
        sessions = (("am", time(8, 0), time(12, 0)), ("pm", time(13, 30), time(17, 0)))
        for schedule, capacity in schedules:
            for offset in range(7):
                day = today + timedelta(days=offset)
                for code, begin, end in sessions:
                    # Doctors below the first of each department take some sessions off.
                    if not schedule["id"].endswith("1") and rng.random() < 0.2:
                        continue
                    booked = rng.randrange(0, capacity // 2) if offset < 3 else 0
                    if rng.random() < 0.05:
                        booked = capacity  # a few sessions are already full
                    remaining = capacity - booked
                    self._create(
                        "Slot",
                        {
                            "schedule": {"reference": f"Schedule/{schedule['id']}"},
                            "status": "free" if remaining > 0 else "busy",
                            "start": _instant(datetime.combine(day, begin, self._zone)),
                            "end": _instant(datetime.combine(day, end, self._zone)),
                            "extension": [
                                {"url": self._sys.ext("slot-capacity"), "valueInteger": capacity},
                                {"url": self._sys.ext("slot-remaining"), "valueInteger": remaining},
                            ],
                        },
                        f"slot-{schedule['id'][4:]}-{day:%Y%m%d}-{code}",
                    )

    def _patient(self, index: int, depts: list[Json]) -> None:
        rng = self._rng
        male = rng.random() < 0.5
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 80 * 365))
        family, given = _name(rng, male)
        resident_id = make_resident_id(rng, birth, male)
        identifiers = [
            {"use": "official", "system": self._sys.resident_id, "value": resident_id},
            {"use": "usual", "system": self._sys.visit_card, "value": f"{8800000000 + index + 1:010d}"},
        ]
        if rng.random() < 0.7:
            identifiers.append({"system": self._sys.insurance_card, "value": f"SI{rng.randrange(10**11, 10**12)}"})
        if rng.random() < 0.5:
            identifiers.append({"system": self._sys.health_card, "value": f"{rng.getrandbits(128):032x}".upper()})
        pid = f"pat-{index + 1:04d}"
        self._create(
            "Patient",
            {
                "active": True,
                "identifier": identifiers,
                "name": [{"use": "official", "text": family + given, "family": family, "given": [given]}],
                "gender": "male" if male else "female",
                "birthDate": birth.isoformat(),
                "telecom": [{"system": "phone", "value": f"1{rng.choice('3578')}{rng.randrange(10**8, 10**9)}"}],
            },
            pid,
        )
        if rng.random() < 0.55:
            for visit in range(rng.choice((1, 1, 2))):
                self._bill(pid, index, visit, rng.choice(depts))
        if rng.random() < 0.6:
            for number in range(rng.choice((1, 1, 2, 3))):
                self._report(
                    pid,
                    name=family + given,
                    male=male,
                    birth=birth,
                    index=index,
                    number=number,
                    dept=rng.choice(depts),
                )

    def _demo_people(self, depts: list[Json]) -> None:
        """The people on the demo panel's cards, each with bills and reports to try every flow."""
        for offset, person in enumerate(DEMO_PEOPLE):
            index = 9000 + offset
            pid = f"pat-{index + 1:04d}"
            birth = date(int(person.birth_date[:4]), int(person.birth_date[4:6]), int(person.birth_date[6:8]))
            family, given = person.name[0], person.name[1:]
            identifiers = [
                {"use": "official", "system": self._sys.resident_id, "value": person.id_number},
                {"use": "usual", "system": self._sys.visit_card, "value": person.visit_card},
                {"system": self._sys.health_card, "value": person.health_qr},
            ]
            self._create(
                "Patient",
                {
                    "active": True,
                    "identifier": identifiers,
                    "name": [{"use": "official", "text": person.name, "family": family, "given": [given]}],
                    "gender": "male" if person.male else "female",
                    "birthDate": birth.isoformat(),
                },
                pid,
            )
            for visit in range(2):
                self._bill(pid, index, visit, depts[(offset + visit) % len(depts)])
            for number, final in enumerate((True, True, False)):
                dept = depts[(offset + number) % len(depts)]
                self._report(
                    pid, name=person.name, male=person.male, birth=birth, index=index, number=number, dept=dept,
                    final=final,
                )  # fmt: skip

    def _demo_appointments(self, schedules: list[tuple[Json, int]]) -> None:
        """Today's bookings of the demo people, written as the simulator's own booking writes them.

        Each person holds one hour-long appointment whose check-in window is open at seeding
        time (it starts within the hour) and, when the day has room for it, one three hours
        later, which is too early to check in for until an hour before it starts. Each sits in
        a time-period slot of its own, fully booked, so registration never offers it.
        """
        hour = self._now.replace(minute=0, second=0, microsecond=0)
        first = hour if hour == self._now else hour + timedelta(hours=1)
        if first.date() != self._now.date():
            first = hour  # late evening: the current hour, still open until it ends
        for offset, bookings in enumerate(_DEMO_BOOKINGS[: len(DEMO_PEOPLE)]):
            pid = f"pat-{9000 + offset + 1:04d}"  # as in _demo_people
            for number, (start, dept_index, queue) in enumerate(bookings):
                begin = first + timedelta(hours=start)
                if begin.date() != self._now.date():
                    log.info("simulator seed: too late in the day for a later demo appointment")
                    continue
                schedule = _first_schedule(schedules, f"dept-{dept_index + 1:02d}")
                self._demo_booking(pid, number, schedule, begin, queue)

    def _demo_booking(self, pid: str, number: int, schedule: Json, start: datetime, queue: int) -> None:
        end = start + timedelta(hours=1)
        slot_id = f"slot-{schedule['id'][4:]}-{start:%Y%m%d-%H%M}"
        self._create(
            "Slot",
            {
                "schedule": {"reference": f"Schedule/{schedule['id']}"},
                "status": "busy",
                "start": _instant(start),
                "end": _instant(end),
                "extension": [
                    {"url": self._sys.ext("slot-capacity"), "valueInteger": queue},
                    {"url": self._sys.ext("slot-remaining"), "valueInteger": 0},
                ],
            },
            slot_id,
        )
        queue = self._store.next_number(f"queue:{slot_id}", floor=queue - 1)  # the booking's own counter
        actors = [a for a in schedule.get("actor", []) if isinstance(a, dict)]
        service = next((a for a in actors if str(a.get("reference", "")).startswith("HealthcareService/")), {})
        self._create(
            "Appointment",
            {
                "status": "booked",
                "identifier": [{"system": self._sys.queue_number, "value": str(queue)}],
                "slot": [{"reference": f"Slot/{slot_id}"}],
                "start": _instant(start),
                "end": _instant(end),
                "created": _instant(self._now - timedelta(days=2)),
                "serviceType": [{"text": service.get("display", "")}],
                "participant": [
                    {"actor": {"reference": f"Patient/{pid}"}, "required": "required", "status": "accepted"},
                    *({"actor": actor, "status": "accepted", "required": "required"} for actor in actors),
                ],
            },
            f"appt-{pid[4:]}-{number + 1}",
        )

    def _bill(self, pid: str, index: int, visit: int, dept: Json) -> None:
        rng = self._rng
        when = self._now - timedelta(days=rng.randrange(0, 3), hours=rng.randrange(1, 6))
        encounter = self._create(
            "Encounter",
            {
                "status": "finished",
                "class": {"code": "AMB"},
                "subject": {"reference": f"Patient/{pid}"},
                "serviceType": {"text": dept["name"]},
                "serviceProvider": {"reference": f"Organization/{dept['id']}"},
                "period": {"start": _instant(when)},
            },
            f"enc-{index + 1:04d}-{visit + 1}",
        )
        lines: list[Json] = []
        total = 0
        for sequence, (code, name, category, unit, (low, high)) in enumerate(
            rng.sample(CATALOG, rng.randrange(2, 7)), start=1
        ):
            quantity = rng.randint(low, high)
            amount = unit * quantity
            total += amount
            lines.append(
                {
                    "sequence": sequence,
                    "chargeItemCodeableConcept": {
                        "coding": [{"system": CHARGE_CODES, "code": code, "display": name}],
                        "text": name,
                    },
                    "priceComponent": [
                        {
                            "type": "base",
                            "code": {"text": category},
                            "factor": Decimal(quantity),
                            "amount": money(amount),
                        }
                    ],
                }
            )
        self._create(
            "Invoice",
            {
                "status": "issued",
                "identifier": [{"system": INVOICE_NUMBERS, "value": f"INV{when:%Y%m%d}{index + 1:04d}{visit + 1}"}],
                "subject": {"reference": f"Patient/{pid}"},
                "date": _instant(when),
                "issuer": {"reference": f"Organization/{dept['id']}", "display": dept["name"]},
                "extension": [
                    {
                        "url": self._sys.ext("visit"),
                        "valueReference": {"reference": f"Encounter/{encounter['id']}", "display": dept["name"]},
                    }
                ],
                "lineItem": lines,
                "totalNet": money(total),
                "totalGross": money(total),
            },
            f"inv-{index + 1:04d}-{visit + 1}",
        )

    def _report(
        self,
        pid: str,
        *,
        name: str,
        male: bool,
        birth: date,
        index: int,
        number: int,
        dept: Json,
        final: bool | None = None,
    ) -> None:
        rng = self._rng
        issued = self._now - timedelta(days=rng.randrange(0, 6), hours=rng.randrange(0, 8), minutes=rng.randrange(60))
        rid = f"rep-{index + 1:04d}-{number + 1}"
        report_no = f"R{issued:%Y%m%d}{index + 1:04d}{number + 1}"
        age = (self._now.date() - birth).days // 365
        head = [
            TextLine(HOSPITAL_NAME, 16, 190),
            TextLine("", 4),
            TextLine(f"姓名: {name}    性别: {'男' if male else '女'}    年龄: {age}岁", 11),
            TextLine(f"科室: {dept['name']}    报告编号: {report_no}", 11),
            TextLine(f"报告时间: {issued:%Y-%m-%d %H:%M}", 11),
        ]
        final = rng.random() < 0.85 if final is None else final
        if rng.random() < 0.6:
            title, loinc, rows = rng.choice(LAB_PANELS)
            category = ("LAB", "Laboratory")
            body = [
                TextLine(title, 14, 230, 14),
                TextLine("项目                              结果        单位        参考范围", 10, 56, 10),
            ]
            for analyte, unit, low, high, decimals in rows:
                value = rng.uniform(low * 0.8, high * 1.15)
                flag = " ↑" if value > high else (" ↓" if value < low else "")
                body.append(TextLine(f"{analyte:<24}{value:>10.{decimals}f}{flag:<3}{unit:<12}{low}-{high}", 10))
        else:
            title, loinc, finding = rng.choice(IMAGING)
            category = ("RAD", "Radiology")
            body = [TextLine(title, 14, 230, 14), TextLine("检查所见:", 11, 56, 10), TextLine(finding, 10)]
            body.append(TextLine("诊断意见: 未见明显异常。", 11, 56, 10))
        body.append(TextLine("报告医生: 签名已核验    本报告仅对本次标本/检查负责", 9, 56, 24))
        body.append(TextLine(f"Simulated report {report_no} - not a medical document", 8, 56, 6))
        resource: Json = {
            "status": "final" if final else "preliminary",
            "identifier": [{"system": REPORT_NUMBERS, "value": report_no}],
            "category": [{"coding": [{"system": V2_0074, "code": category[0], "display": category[1]}]}],
            "code": {"coding": [{"system": LOINC, "code": loinc}], "text": title},
            "subject": {"reference": f"Patient/{pid}"},
            "effectiveDateTime": _instant(issued - timedelta(hours=2)),
            "issued": _instant(issued),
            "performer": [{"reference": f"Organization/{dept['id']}", "display": dept["name"]}],
        }
        if final:
            pdf = render_pdf(head + body, title)
            binary = self._create(
                "Binary",
                {"contentType": "application/pdf", "data": base64.b64encode(pdf).decode("ascii")},
                f"bin-{rid}",
            )
            resource["presentedForm"] = [
                {
                    "contentType": "application/pdf",
                    "url": f"Binary/{binary['id']}",
                    "size": len(pdf),
                    "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),  # noqa: S324 - FHIR Attachment.hash is SHA-1
                    "title": title,
                }
            ]
            if index < 9000 and rng.random() < 0.2:  # demo people start with nothing printed
                resource["meta"] = {"tag": [{"system": KIOSK_TAG_SYSTEM, "code": TAG_PRINTED}]}
        self._create("DiagnosticReport", resource, rid)
        log.debug("seeded report for %s", mask(name, MaskKind.NAME))
