"""Every figure on the admin overview opens the list it counts."""
from tests import factories as f


def test_dashboard_figures_link_to_their_filtered_lists(client, db):
    unit = f.unit("阳光社区")
    f.login(client, f.unit_admin(unit))
    page = client.get("/admin/").get_data(as_text=True)
    for href in ('/admin/records/?status=pending', '/admin/records/?status=open', '/admin/posts/',
                 '/admin/volunteers', '/admin/records/?status=approved'):
        assert f'href="{href}"' in page, href
        assert client.get(href).status_code == 200, href
