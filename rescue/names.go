package rescue

import (
	"strconv"
	"strings"
)

// win11FirstBuild is the first Windows 11 build. Windows 11 keeps
// ProductName "Windows 10 …", so the build number decides.
const win11FirstBuild = 22000

// editionNames maps EditionID to the marketing edition name, for when
// ProductName is missing.
var editionNames = map[string]string{
	"Core":                         "Home",
	"CoreN":                        "Home N",
	"CoreSingleLanguage":           "Home Single Language",
	"CoreCountrySpecific":          "Home China",
	"Professional":                 "Pro",
	"ProfessionalN":                "Pro N",
	"ProfessionalWorkstation":      "Pro for Workstations",
	"ProfessionalWorkstationN":     "Pro N for Workstations",
	"ProfessionalEducation":        "Pro Education",
	"ProfessionalEducationN":       "Pro Education N",
	"Education":                    "Education",
	"EducationN":                   "Education N",
	"Enterprise":                   "Enterprise",
	"EnterpriseN":                  "Enterprise N",
	"EnterpriseS":                  "Enterprise LTSC",
	"EnterpriseSN":                 "Enterprise N LTSC",
	"EnterpriseG":                  "Enterprise G",
	"IoTEnterprise":                "IoT Enterprise",
	"IoTEnterpriseS":               "IoT Enterprise LTSC",
	"ServerStandard":               "Standard",
	"ServerDatacenter":             "Datacenter",
	"ServerStandardEval":           "Standard Evaluation",
	"ServerDatacenterEval":         "Datacenter Evaluation",
	"EnterpriseEval":               "Enterprise Evaluation",
	"ServerDatacenterAzureEdition": "Datacenter: Azure Edition",
	"Ultimate":                     "Ultimate",
	"HomePremium":                  "Home Premium",
	"HomeBasic":                    "Home Basic",
	"Starter":                      "Starter",
}

// buildNumber parses CurrentBuild ("26100"); 0 when absent or malformed.
func buildNumber(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// DisplayName returns the name a technician expects for an installation:
// ProductName corrected for Windows 11, or built from the build number and
// EditionID when ProductName is missing.
func DisplayName(productName, editionID, installationType string, build int) string {
	name := strings.TrimSpace(productName)
	client := !strings.EqualFold(installationType, "Server") && !strings.Contains(name, "Server")
	if name == "" {
		family := familyName(build, client)
		if ed, ok := editionNames[editionID]; ok {
			return family + " " + ed
		}
		if editionID != "" {
			return family + " (" + editionID + ")"
		}
		return family
	}
	if client && build >= win11FirstBuild && strings.HasPrefix(name, "Windows 10") {
		name = "Windows 11" + strings.TrimPrefix(name, "Windows 10")
	}
	return name
}

func familyName(build int, client bool) string {
	if !client {
		switch {
		case build >= 26100:
			return "Windows Server 2025"
		case build >= 20348:
			return "Windows Server 2022"
		case build >= 17763:
			return "Windows Server 2019"
		case build >= 14393:
			return "Windows Server 2016"
		case build >= 9600:
			return "Windows Server 2012 R2"
		case build >= 9200:
			return "Windows Server 2012"
		case build >= 7600:
			return "Windows Server 2008 R2"
		default:
			return "Windows Server"
		}
	}
	switch {
	case build >= win11FirstBuild:
		return "Windows 11"
	case build >= 10240:
		return "Windows 10"
	case build >= 9600:
		return "Windows 8.1"
	case build >= 9200:
		return "Windows 8"
	case build >= 7600:
		return "Windows 7"
	case build >= 6000:
		return "Windows Vista"
	case build > 0:
		return "Windows"
	default:
		return "Windows (unknown version)"
	}
}
