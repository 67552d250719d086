"""Cloud Carbon Footprint's published coefficients, typed in from their sources.

The test oracle for the power model and the region table: every number here is
copied from the publication cited beside it, never read from
python/gls_engine/carbon/*.json, so that a wrong table fails a test.

CCF = Cloud Carbon Footprint methodology,
https://www.cloudcarbonfootprint.org/docs/methodology
(microsite/docs/HowItWorks/Methodology.md in cloud-carbon-footprint/cloud-carbon-footprint,
revision b7a049c7, 2024-03-25).
"""

from __future__ import annotations

from statistics import median
from typing import NamedTuple


class CpuCoefficients(NamedTuple):
    min_watts: float  # per vCPU at 0% utilisation
    max_watts: float  # per vCPU at 100% utilisation
    pue: float


# CCF "Compute": "When we don't know the underlying processor micro-architecture, we
# use the average or median of all micro-architectures used by that cloud provider"
# (AWS average 0.74 / 3.5, GCP median 0.71 / 4.26, Azure average 0.78 / 3.76).
# PUE: CCF "Power Usage Effectiveness": AWS 1.135, GCP 1.1, Azure 1.185 (Microsoft's
# fleet-wide trailing 12-month figure that CCF quotes; its Appendix I says 1.125,
# the latest designs' figure, which the text beside the quote does not use).
CPU = {
    "aws": CpuCoefficients(0.74, 3.5, 1.135),
    "gcp": CpuCoefficients(0.71, 4.26, 1.1),
    "azure": CpuCoefficients(0.78, 3.76, 1.185),
}

# Unknown provider (docs/carbon.md): the median of the three providers' watts, and
# CCF's on-premise PUE 1.58 (https://www.cloudcarbonfootprint.org/docs/on-premise,
# Uptime Institute survey).
UNKNOWN_PROVIDER = CpuCoefficients(
    median(c.min_watts for c in CPU.values()),
    median(c.max_watts for c in CPU.values()),
    1.58,
)

# CCF "Compute": the 2020 hyperscale average server utilisation when none is known
# (2016 U.S. Data Center Energy Usage Report).
DEFAULT_UTILIZATION = 0.5

# CCF Appendix III "GPUs and min/max watts" (Teads / TechPowerUp data):
# key -> (watts idle, watts at 100%).
GPU_WATTS = {
    "m60": (35, 306),
    "t4": (8, 71),
    "k80": (35, 306),
    "v100": (35, 306),
    "a100": (46, 407),
    "k520": (26, 229),
    "a10g": (18, 153),
    "p4": (9, 76.5),
    "p100": (36, 306),
    "p40": (30, 255),
    "v520": (26, 229),  # AMD Radeon Pro V520
    "u250": (27, 229.5),  # Xilinx Alveo U250
}
# docs/carbon.md: a GPU not in the table is counted as an A100.
DEFAULT_GPU = "a100"


def ccf_kwh(
    cpu: CpuCoefficients,
    *,
    cpu_seconds: float = 0.0,
    cpu_utilization: float = DEFAULT_UTILIZATION,
    gpu_seconds: float = 0.0,
    gpu: str = DEFAULT_GPU,
    gpu_utilization: float = DEFAULT_UTILIZATION,
) -> float:
    """CCF's compute formula, average watts = min + utilisation x (max - min), over
    allocated vCPU hours (busy CPU seconds / utilisation) and GPU hours, times PUE."""
    vcpu_hours = cpu_seconds / cpu_utilization / 3600
    cpu_watts = cpu.min_watts + cpu_utilization * (cpu.max_watts - cpu.min_watts)
    gpu_min, gpu_max = GPU_WATTS[gpu]
    gpu_watts = gpu_min + gpu_utilization * (gpu_max - gpu_min)
    return (cpu_watts * vcpu_hours + gpu_watts * gpu_seconds / 3600) * cpu.pue / 1000


# Cloud region -> the ISO 3166-1 alpha-3 country of its data centres (the ecologits
# zone). Unmarked rows: the region's country or location in CCF Appendix V "Grid
# emissions factors". Marked rows are not in CCF's tables; their location is the
# provider's own region list:
#   [aws] https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
#   [gcp] https://cloud.google.com/about/locations
#   [azure] https://azure.microsoft.com/en-us/explore/global-infrastructure/geographies/
REGION_COUNTRY = {
    "aws": {
        "us-east-1": "USA",
        "us-east-2": "USA",
        "us-west-1": "USA",
        "us-west-2": "USA",
        "us-gov-east-1": "USA",
        "us-gov-west-1": "USA",
        "af-south-1": "ZAF",
        "ap-east-1": "HKG",
        "ap-south-1": "IND",
        "ap-northeast-3": "JPN",
        "ap-northeast-2": "KOR",
        "ap-southeast-1": "SGP",
        "ap-southeast-2": "AUS",
        "ap-northeast-1": "JPN",
        "ap-southeast-3": "IDN",  # [aws] Asia Pacific (Jakarta)
        "ca-central-1": "CAN",
        "cn-north-1": "CHN",
        "cn-northwest-1": "CHN",
        "eu-central-1": "DEU",
        "eu-west-1": "IRL",
        "eu-west-2": "GBR",  # CCF: England
        "eu-south-1": "ITA",
        "eu-west-3": "FRA",
        "eu-north-1": "SWE",
        "me-south-1": "BHR",
        "me-central-1": "ARE",  # [aws] Middle East (UAE)
        "sa-east-1": "BRA",
    },
    "gcp": {
        "us-central1": "USA",  # Iowa
        "us-east1": "USA",  # South Carolina
        "us-east4": "USA",  # Northern Virginia
        "us-west1": "USA",  # Oregon
        "us-west2": "USA",  # Los Angeles
        "us-west3": "USA",  # Salt Lake City
        "us-west4": "USA",  # Las Vegas
        "asia-east1": "TWN",
        "asia-east2": "HKG",
        "asia-northeast1": "JPN",  # Tokyo
        "asia-northeast2": "JPN",  # Osaka
        "asia-northeast3": "KOR",  # Seoul
        "asia-south1": "IND",  # Mumbai
        "asia-south2": "IND",  # Delhi
        "asia-southeast1": "SGP",
        "asia-southeast2": "IDN",  # Jakarta
        "australia-southeast1": "AUS",  # Sydney
        "australia-southeast2": "AUS",  # Melbourne
        "europe-central2": "POL",  # Warsaw
        "europe-north1": "FIN",
        "europe-west1": "BEL",
        "europe-west2": "GBR",  # London
        "europe-west3": "DEU",  # Frankfurt
        "europe-west4": "NLD",
        "europe-west6": "CHE",  # Zurich
        "europe-west9": "FRA",  # [gcp] Paris
        "northamerica-northeast1": "CAN",  # Montreal
        "southamerica-east1": "BRA",  # Sao Paulo
    },
    "azure": {
        "centralus": "USA",  # Iowa
        "eastus": "USA",  # Virginia
        "eastus2": "USA",  # Virginia
        "northcentralus": "USA",  # Illinois
        "southcentralus": "USA",  # Texas
        "westcentralus": "USA",  # Wyoming
        "westus": "USA",  # California
        "westus2": "USA",  # Washington
        "westus3": "USA",  # Arizona
        "eastasia": "HKG",
        "southeastasia": "SGP",
        "southafricanorth": "ZAF",  # Johannesburg
        "southafricawest": "ZAF",
        "australiacentral": "AUS",  # Canberra
        "australiacentral2": "AUS",  # Canberra
        "australiaeast": "AUS",  # New South Wales
        "australiasoutheast": "AUS",  # Victoria
        "japanwest": "JPN",  # Osaka
        "japaneast": "JPN",  # Tokyo, Saitama
        "koreacentral": "KOR",  # [azure] Seoul
        "koreasouth": "KOR",
        "centralindia": "IND",  # CCF: India Central, Pune
        "southindia": "IND",  # CCF: India South, Chennai
        "westindia": "IND",  # CCF: India West, Mumbai
        "northeurope": "IRL",
        "westeurope": "NLD",
        "francecentral": "FRA",  # Paris
        "francesouth": "FRA",
        "swedencentral": "SWE",  # Gävle and Sandviken
        "switzerlandnorth": "CHE",  # Zürich
        "switzerlandwest": "CHE",
        "uksouth": "GBR",  # London
        "ukwest": "GBR",  # Cardiff
        "germanynorth": "DEU",
        "germanywestcentral": "DEU",  # Frankfurt
        "norwayeast": "NOR",  # Oslo
        "norwaywest": "NOR",
        "uaenorth": "ARE",  # Dubai
        "uaecentral": "ARE",
        "canadacentral": "CAN",  # Toronto
        "canadaeast": "CAN",  # Quebec City
        "brazilsouth": "BRA",  # São Paulo State
    },
}
