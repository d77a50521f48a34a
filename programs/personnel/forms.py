from django import forms

from programs.in_person.models import PartnerOrganisation
from programs.personnel.models import EventCoFacilitator


class CoFacilitatorForm(forms.ModelForm):
    class Meta:
        model = EventCoFacilitator
        fields = ["name", "role", "partner"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = PartnerOrganisation.objects.order_by("name")
